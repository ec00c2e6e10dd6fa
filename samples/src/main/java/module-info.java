/** The {@code jinn} command line and example applications. */
module dev.jinn.cli {
    requires dev.jinn.engine;
    requires dev.jinn.quant;
    requires dev.jinn.tokenizer;
    requires dev.jinn.testing;
    requires dev.jinn.server;
    requires info.picocli;
    requires com.google.common;
    requires org.slf4j;

    opens dev.jinn.cli to info.picocli;
}
