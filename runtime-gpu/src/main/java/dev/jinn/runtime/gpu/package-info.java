/** GPU backend. */
package dev.jinn.runtime.gpu;
