/**
 * Hugging Face model conventions: {@link dev.jinn.quant.hf.HfConfig} reads {@code config.json} of Qwen2 and Llama
 * models; {@link dev.jinn.quant.hf.HfTensorNames} maps their tensor names to llama.cpp's GGUF names.
 */
package dev.jinn.quant.hf;
