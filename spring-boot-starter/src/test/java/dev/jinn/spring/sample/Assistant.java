package dev.jinn.spring.sample;

import dev.jinn.ChatResponse;
import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.Prompt;
import dev.jinn.Session;
import org.springframework.stereotype.Service;

/** The sample's business code: one question, one answer, in its own session, with the configured options. */
@Service
public class Assistant {
    private final Model model;
    private final GenerationOptions options;

    public Assistant(Model model, GenerationOptions options) {
        this.model = model;
        this.options = options;
    }

    public String ask(String question) {
        try (Session session = model.newSession()) {
            ChatResponse r = session.chat(Prompt.user(question), options);
            return r.answer();
        }
    }
}
