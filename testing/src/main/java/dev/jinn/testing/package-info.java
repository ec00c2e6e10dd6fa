/** Test support: synthetic models, scripted models, contract suites. */
package dev.jinn.testing;
