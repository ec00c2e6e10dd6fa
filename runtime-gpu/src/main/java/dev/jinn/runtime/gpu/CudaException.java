package dev.jinn.runtime.gpu;

import dev.jinn.JinnException;

/**
 * A CUDA driver or cuBLAS call returned an error: the message names the function, the numeric code and its name
 * ({@code cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)}), plus what the backend was doing.
 */
public final class CudaException extends JinnException {
    private final String function;
    private final int code;
    private final String errorName;

    public CudaException(String function, int code, String errorName, String doing) {
        super(function + " failed: " + errorName + " (" + code + ")" + (doing == null || doing.isEmpty() ? ""
                : " while " + doing));
        this.function = function;
        this.code = code;
        this.errorName = errorName;
    }

    /** The C function that failed, e.g. {@code cuMemAlloc_v2} or {@code cublasGemmEx}. */
    public String function() {
        return function;
    }

    /** The {@code CUresult} or {@code cublasStatus_t} it returned (never 0). */
    public int code() {
        return code;
    }

    /** The code's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}; {@code "unknown"} where the library has none. */
    public String errorName() {
        return errorName;
    }
}
