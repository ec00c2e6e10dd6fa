package dev.jinn.runtime.gpu.kernels;

/**
 * Grid and block dimensions and dynamic shared memory of one kernel launch, as {@link Launches} computes them.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {
    public LaunchConfig {
        if (gridX < 1 || gridY < 1 || gridZ < 1 || blockX < 1 || blockY < 1 || blockZ < 1 || sharedBytes < 0) {
            throw new IllegalArgumentException("bad launch geometry: " + gridX + "x" + gridY + "x" + gridZ + " blocks of "
                    + blockX + "x" + blockY + "x" + blockZ + ", " + sharedBytes + " B shared");
        }
        if ((long) blockX * blockY * blockZ > 1024) {
            throw new IllegalArgumentException("more than 1024 threads per block: " + blockX + "x" + blockY + "x" + blockZ);
        }
    }

    /** A one-dimensional launch. */
    public static LaunchConfig of(int grid, int block) {
        return new LaunchConfig(grid, 1, 1, block, 1, 1, 0);
    }
}
