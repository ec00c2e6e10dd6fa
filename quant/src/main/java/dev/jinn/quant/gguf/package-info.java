/**
 * GGUF model files: {@link dev.jinn.quant.gguf.GgufFile} maps and validates a v2/v3 file and hands out zero-copy
 * tensor slices; {@link dev.jinn.quant.gguf.GgufWriter} streams a new one with bounded memory. Every structural
 * defect of a file is one {@link dev.jinn.quant.gguf.GgufFormatException} naming the field and its byte offset.
 */
package dev.jinn.quant.gguf;
