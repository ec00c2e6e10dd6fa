/** What every backend shares: architecture from metadata, the forward pass, KV cache, sessions, sampling, planning. */
module dev.jinn.engine {
    requires transitive dev.jinn.api;
    requires transitive dev.jinn.quant;
    requires transitive dev.jinn.tokenizer;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.engine;
    exports dev.jinn.engine.sampling;
    exports dev.jinn.engine.session;

    uses dev.jinn.spi.BackendProvider;
    provides dev.jinn.spi.ModelFactory with dev.jinn.engine.session.GgufModelFactory;
}
