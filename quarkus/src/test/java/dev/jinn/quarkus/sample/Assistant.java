package dev.jinn.quarkus.sample;

import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.Prompt;
import dev.jinn.Session;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The sample application's service: the Model and options are injected from the Jinn integration. */
@ApplicationScoped
public class Assistant {
    @Inject
    Model model;

    @Inject
    GenerationOptions options;

    public String ask(String question) {
        try (Session session = model.newSession()) {
            return session.chat(Prompt.user(question), options).answer();
        }
    }
}
