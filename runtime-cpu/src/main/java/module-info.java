/** The default compute backend: Vector API kernels over memory-mapped weights, a fixed thread pool. */
module dev.jinn.runtime.cpu {
    requires dev.jinn.engine;
    requires static jdk.incubator.vector;
    requires com.google.common;
    requires org.slf4j;

    exports dev.jinn.runtime.cpu;

    provides dev.jinn.spi.BackendProvider with dev.jinn.runtime.cpu.CpuBackendProvider;
}
