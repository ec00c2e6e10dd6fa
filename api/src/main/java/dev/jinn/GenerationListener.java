package dev.jinn;

/**
 * Receives the events of one generation on the thread that runs it ({@link Session#generate(Prompt,
 * GenerationOptions, GenerationListener)}). An exception thrown here cancels the generation (the session stays
 * usable) and reaches the caller wrapped in a {@link GenerationException}.
 */
@FunctionalInterface
public interface GenerationListener {
    void onEvent(GenerationEvent event);
}
