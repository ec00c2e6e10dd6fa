/**
 * Tokenizers and chat templates.
 *
 * <ul>
 *   <li>{@link dev.jinn.tokenizer.Tokenizers} builds a {@link dev.jinn.tokenizer.Tokenizer} from GGUF metadata,
 *       a Hugging Face tokenizer.json (or its folder), GPT-2-style vocab.json + merges.txt, or llama2.c's
 *       tokenizer.bin. Byte-level BPE (Qwen2 pre-tokenizer, NFC) gives Hugging Face's ids; SentencePiece-style
 *       BPE (GGUF {@code llama}, llama2.c) gives llama.cpp's.</li>
 *   <li>Added tokens are matched whole, leftmost-longest, before normalization and BPE when special-token parsing
 *       is on; with it off the same characters are plain text, so no added or control id can come from text.</li>
 *   <li>Text is a Java string: an unpaired surrogate is encoded as U+FFFD.</li>
 *   <li>{@link dev.jinn.tokenizer.ChatTemplate#fromJinja} recognises known templates (DeepSeek-R1, ChatML/Qwen2)
 *       by content and renders them in Java; an unknown template is an error.</li>
 * </ul>
 */
package dev.jinn.tokenizer;
