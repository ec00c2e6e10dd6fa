/** Model files and numbers: GGUF and safetensors containers, ggml block codecs, the quantizer. */
module dev.jinn.quant {
    requires transitive dev.jinn.api;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.quant;
    exports dev.jinn.quant.json;
    exports dev.jinn.quant.gguf;

    uses dev.jinn.spi.QuantCodec;
}
