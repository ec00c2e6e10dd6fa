/** JMH benchmarks: run with {@code java --add-modules jdk.incubator.vector -jar benchmarks/target/benchmarks.jar}. */
package dev.jinn.benchmarks;
