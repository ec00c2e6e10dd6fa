/**
 * Hugging Face safetensors weights: {@link dev.jinn.quant.safetensors.SafetensorsFile} for one file,
 * {@link dev.jinn.quant.safetensors.SafetensorsModel} for a file or a (sharded) model folder, both memory-mapped
 * with checked headers; {@link dev.jinn.quant.safetensors.SafetensorsWriter} for tests and converters.
 */
package dev.jinn.quant.safetensors;
