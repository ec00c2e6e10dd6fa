package dev.jinn.runtime.gpu.fake;

import dev.jinn.runtime.gpu.kernels.LaunchConfig;

/** A Java stand-in for one CUDA kernel, run by the fake driver when that kernel is launched. */
@FunctionalInterface
public interface FakeKernel {
    /** Runs the whole launch (every block) on the host. */
    void launch(LaunchConfig config, KernelArgs args);
}
