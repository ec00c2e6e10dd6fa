/** Model files and numbers: GGUF and safetensors containers, ggml block codecs, the quantizer. */
package dev.jinn.quant;
