/** CUDA backend through java.lang.foreign: driver API, cuBLAS, precompiled kernels. */
module dev.jinn.runtime.gpu {
    requires transitive dev.jinn.engine;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.runtime.gpu;
    exports dev.jinn.runtime.gpu.kernels;

    provides dev.jinn.spi.BackendProvider with dev.jinn.runtime.gpu.CudaBackendProvider;
}
