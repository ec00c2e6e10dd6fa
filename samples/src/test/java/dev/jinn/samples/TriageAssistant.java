package dev.jinn.samples;

import dev.jinn.ChatResponse;
import dev.jinn.FinishReason;
import dev.jinn.GenerationOptions;
import dev.jinn.JinnException;
import dev.jinn.Model;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import java.time.Duration;
import java.util.Locale;

/**
 * A small "application" that uses Jinn: it asks the model to classify a support ticket as BUG, QUESTION or
 * FEATURE, with a system prompt, a token limit and a timeout, and falls back to QUESTION when the model fails,
 * times out or answers something else. Its tests use the scripted model instead of weights.
 */
public final class TriageAssistant {
    public enum Category { BUG, QUESTION, FEATURE }

    static final String SYSTEM = "Classify the support ticket. Answer with one word: BUG, QUESTION or FEATURE.";

    private final Model model;
    private final Duration timeout;

    public TriageAssistant(Model model, Duration timeout) {
        this.model = model;
        this.timeout = timeout;
    }

    public Category classify(String ticket) {
        GenerationOptions options = GenerationOptions.builder().maxTokens(256).timeout(timeout).build();
        try (Session session = model.newSession(SessionOptions.builder().systemPrompt(SYSTEM).build())) {
            ChatResponse reply = session.chat("Ticket: " + ticket, options);
            if (reply.finishReason() != FinishReason.STOP) {
                return Category.QUESTION;
            }
            String word = reply.answer().strip().toUpperCase(Locale.ROOT).replaceAll("[^A-Z]", "");
            for (Category c : Category.values()) {
                if (word.equals(c.name())) {
                    return c;
                }
            }
            return Category.QUESTION;
        } catch (JinnException e) {
            return Category.QUESTION;
        }
    }
}
