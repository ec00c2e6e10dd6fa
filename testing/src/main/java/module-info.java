/** For tests: synthetic model writer, fake backends, scripted models, contract suites. */
module dev.jinn.testing {
    requires transitive dev.jinn.engine;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.testing;
}
