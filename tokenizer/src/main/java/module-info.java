/** Byte-level BPE (Qwen2), SentencePiece-style BPE (Llama), added tokens, chat templates, streaming decoding. */
module dev.jinn.tokenizer {
    requires transitive dev.jinn.api;
    requires transitive dev.jinn.quant;  // Tokenizers.fromGguf takes GgufMetadata
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.tokenizer;
}
