/** The default compute backend: Vector API kernels over memory-mapped weights, a fixed thread pool. */
module dev.jinn.runtime.cpu {
    requires dev.jinn.engine;
    requires jdk.incubator.vector;
    requires com.google.common;
    requires org.slf4j;

    // exports dev.jinn.runtime.cpu;  (added with the first class)
}
