/** Model files and numbers: GGUF and safetensors containers, ggml block codecs, the quantizer. */
module dev.jinn.quant {
    requires transitive dev.jinn.api;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.quant;
    exports dev.jinn.quant.codec;
    exports dev.jinn.quant.json;
    exports dev.jinn.quant.gguf;
    exports dev.jinn.quant.safetensors;
    exports dev.jinn.quant.hf;

    uses dev.jinn.spi.QuantCodec;

    provides dev.jinn.spi.QuantCodec with
            dev.jinn.quant.codec.F32Codec,
            dev.jinn.quant.codec.F16Codec,
            dev.jinn.quant.codec.BF16Codec,
            dev.jinn.quant.codec.Q80Codec,
            dev.jinn.quant.codec.Q40Codec,
            dev.jinn.quant.codec.Q4KCodec,
            dev.jinn.quant.codec.Q5KCodec,
            dev.jinn.quant.codec.Q6KCodec;
}
