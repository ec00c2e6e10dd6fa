package dev.jinn.samples;

import dev.jinn.*;
import java.nio.file.Path;

/** The README's usage example (docs/api-example.md); ApiExampleTest compiles and runs it. */
final class ApiExample {
    static void run(Path gguf) {
        // --- begin example ---
        try (Model model = Model.load(gguf, ModelOptions.builder().contextLength(2048).build());
             Session session = model.newSession(SessionOptions.builder().systemPrompt("Be brief.").build())) {
            // Blocking: answer, reasoning and usage
            ChatResponse reply = session.chat("Why is 17 prime?");
            System.out.println(reply.answer() + "\n(" + reply.usage().completionTokens() + " tokens)");
            // Streaming a follow-up (reuses the cached conversation), seeded R1 sampling, stop after 200 tokens
            var options = GenerationOptions.builder().sampler(Sampler.deepSeekR1Distill()).seed(42L).maxTokens(200).build();
            session.generate(Prompt.user("And 21?"), options, event -> {
                switch (event) {
                    case GenerationEvent.Reasoning r -> System.err.print(r.text());   // inside <think>…</think>
                    case GenerationEvent.Answer a -> System.out.print(a.text());
                    case GenerationEvent.Done d -> System.out.println("\n[" + d.finishReason() + "]");
                }
            });
        }
        // --- end example ---
    }
}
