/** Byte-level BPE (Qwen2), SentencePiece-style BPE (Llama), added tokens, chat templates, streaming decoding. */
module dev.jinn.tokenizer {
    requires transitive dev.jinn.api;
    requires dev.jinn.quant;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.tokenizer;
}
