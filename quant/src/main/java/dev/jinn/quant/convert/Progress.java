package dev.jinn.quant.convert;

/** Progress of a long write (conversion, synthetic model): bytes of tensor data done so far and in all. */
@FunctionalInterface
public interface Progress {
    /** Called from the writing thread; {@code done} never decreases and ends equal to {@code total}. */
    void update(long done, long total);

    /** A progress that ignores updates. */
    Progress NONE = (done, total) -> { };
}
