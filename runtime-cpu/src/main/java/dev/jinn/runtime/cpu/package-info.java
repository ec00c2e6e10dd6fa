/** CPU backend. */
package dev.jinn.runtime.cpu;
