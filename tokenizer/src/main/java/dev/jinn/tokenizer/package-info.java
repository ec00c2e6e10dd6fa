/** Tokenizers and chat templates. */
package dev.jinn.tokenizer;
