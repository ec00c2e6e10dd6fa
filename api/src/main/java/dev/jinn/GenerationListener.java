package dev.jinn;

/**
 * Receives the events of one generation on the thread that runs it ({@link Session#generate(Prompt,
 * GenerationOptions, GenerationListener)}). An exception thrown here ends the generation with
 * {@link FinishReason#ERROR}.
 */
@FunctionalInterface
public interface GenerationListener {
    void onEvent(GenerationEvent event);
}
