/** The transformer forward pass written once against the Backend SPI. */
package dev.jinn.engine;
