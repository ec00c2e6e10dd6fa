/**
 * Downcall bindings of the CUDA driver API and cuBLAS, and the library search; not exported (tests on the class
 * path bind them to a fake driver).
 */
package dev.jinn.runtime.gpu.internal;
