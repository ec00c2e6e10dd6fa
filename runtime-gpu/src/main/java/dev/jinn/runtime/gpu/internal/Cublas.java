package dev.jinn.runtime.gpu.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jinn.runtime.gpu.CudaException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The cuBLAS functions the prefill path uses, bound with downcall handles: handle create/destroy, set stream and
 * {@code cublasGemmEx} (signature and enum values as in NVIDIA's cuBLAS documentation; the headers are not needed).
 * A status other than {@code CUBLAS_STATUS_SUCCESS} throws {@link CudaException}.
 */
@SuppressWarnings("restricted") // binding native code is what this class is for (--enable-native-access)
public final class Cublas {
    /** {@code CUDA_R_32F}. */
    public static final int R_32F = 0;
    /** {@code CUDA_R_16F}. */
    public static final int R_16F = 2;
    /** {@code CUBLAS_COMPUTE_32F}. */
    public static final int COMPUTE_32F = 68;
    /** {@code CUBLAS_GEMM_DEFAULT}. */
    public static final int GEMM_DEFAULT = -1;
    /** {@code CUBLAS_OP_N}. */
    public static final int OP_N = 0;
    /** {@code CUBLAS_OP_T}. */
    public static final int OP_T = 1;

    private final String where;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle gemmEx;
    private final MethodHandle statusName;

    /** @throws dev.jinn.BackendUnavailableException if a function is missing */
    public Cublas(SymbolLookup lib, String where) {
        this.where = where;
        CudaDriver.Binder b = new CudaDriver.Binder(lib, where);
        create = b.bind("cublasCreate_v2", ADDRESS);
        destroy = b.bind("cublasDestroy_v2", ADDRESS);
        setStream = b.bind("cublasSetStream_v2", ADDRESS, ADDRESS);
        gemmEx = b.bind("cublasGemmEx", ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS,
                JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT);
        statusName = lib.find("cublasGetStatusName").map(addr -> java.lang.foreign.Linker.nativeLinker()
                .downcallHandle(addr, java.lang.foreign.FunctionDescriptor.of(ADDRESS, JAVA_INT))).orElse(null);
    }

    public String where() {
        return where;
    }

    /** {@code cublasGetStatusName}, or the documented name where the library lacks that function. */
    public String statusName(int status) {
        if (statusName != null) {
            try {
                MemorySegment s = (MemorySegment) statusName.invokeExact(status);
                if (!s.equals(MemorySegment.NULL)) {
                    return s.reinterpret(128).getString(0, StandardCharsets.US_ASCII);
                }
            } catch (Throwable t) {
                // fall through to the table
            }
        }
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "unknown";
        };
    }

    private void check(int status, String function, String doing) {
        if (status != 0) {
            throw new CudaException(function, status, statusName(status), doing);
        }
    }

    public MemorySegment create() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) create.invokeExact(out), "cublasCreate_v2", "creating a cuBLAS handle");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void destroy(MemorySegment handle) {
        try {
            check((int) destroy.invokeExact(handle), "cublasDestroy_v2", "destroying a cuBLAS handle");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void setStream(MemorySegment handle, MemorySegment stream) {
        try {
            check((int) setStream.invokeExact(handle, stream), "cublasSetStream_v2", "setting the cuBLAS stream");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Column-major {@code C = alpha·op(A)·op(B) + beta·C} with F16 A and B, FP32 compute and C.
     *
     * @param alphaBeta host memory holding two floats, alpha then beta
     * @param a         device pointers
     */
    public void gemmF16(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alphaBeta,
                         long a, int lda, long b, int ldb, long c, int ldc, String what) {
        try {
            check((int) gemmEx.invokeExact(handle, transa, transb, m, n, k, alphaBeta, MemorySegment.ofAddress(a),
                    R_16F, lda, MemorySegment.ofAddress(b), R_16F, ldb, alphaBeta.asSlice(4),
                    MemorySegment.ofAddress(c), R_32F, ldc, COMPUTE_32F, GEMM_DEFAULT), "cublasGemmEx",
                    "multiplying " + what + " (m " + m + ", n " + n + ", k " + k + ")");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
