/**
 * For tests, ours and applications': fake tokenizer and transformer, a scripted {@code Model} that needs no weights
 * (with a JUnit 5 extension that injects it), and contract suites every backend runs.
 */
module dev.jinn.testing {
    requires transitive dev.jinn.engine;
    requires transitive org.junit.jupiter.api;
    requires org.assertj.core;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.testing;
}
