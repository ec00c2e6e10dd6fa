/**
 * The CUDA backend: {@link dev.jinn.runtime.gpu.CudaBackendProvider} (found with ServiceLoader, name {@code cuda})
 * and {@link dev.jinn.runtime.gpu.CudaBackend}, which runs the kernels of {@code runtime-gpu/KERNELS.md} through the
 * CUDA driver API and cuBLAS, bound with {@code java.lang.foreign} (no JNI). Needs
 * {@code --enable-native-access=ALL-UNNAMED} (or this module's name) like the rest of Jinn.
 */
package dev.jinn.runtime.gpu;
