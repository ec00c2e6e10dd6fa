package dev.jinn.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jinn.GenerationException;
import dev.jinn.testing.ScriptedModel;
import dev.jinn.testing.ScriptedModelExtension;
import dev.jinn.testing.ScriptedReplies;
import dev.jinn.testing.ScriptedReply;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** How an application tests its Jinn code without weights: the scripted model, injected by the extension. */
@ExtendWith(ScriptedModelExtension.class)
class TriageAssistantTest {

    @Test
    @ScriptedReplies("<think>The app crashes, so it is a defect.</think>BUG")
    void classifiesWithTheModelsAnswerAndSendsTheTicketWithTheSystemPrompt(ScriptedModel model) {
        TriageAssistant triage = new TriageAssistant(model, Duration.ofSeconds(5));
        assertThat(triage.classify("The app crashes when I click save")).isEqualTo(TriageAssistant.Category.BUG);
        assertThat(model.prompts()).hasSize(1);
        assertThat(model.lastPrompt().lastUserMessage()).isEqualTo("Ticket: The app crashes when I click save");
        assertThat(model.lastPrompt().systemPrompt()).isEqualTo(TriageAssistant.SYSTEM);
        assertThat(model.lastPrompt().options().timeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    @ScriptedReplies({"feature.", "something else entirely"})
    void normalizesAnswersAndFallsBackOnNonsense(ScriptedModel model) {
        TriageAssistant triage = new TriageAssistant(model, Duration.ofSeconds(5));
        assertThat(triage.classify("Please add dark mode")).isEqualTo(TriageAssistant.Category.FEATURE);
        assertThat(triage.classify("???")).isEqualTo(TriageAssistant.Category.QUESTION);
    }

    @Test
    void fallsBackWhenTheModelFails(ScriptedModel model) {
        model.failNext(new GenerationException("GPU fell off the bus"));
        TriageAssistant triage = new TriageAssistant(model, Duration.ofSeconds(5));
        assertThat(triage.classify("It is broken")).isEqualTo(TriageAssistant.Category.QUESTION);
    }

    @Test
    void fallsBackWhenTheModelIsTooSlow(ScriptedModel model) {
        model.enqueue(ScriptedReply.builder().answer("B", "U", "G").delayPerChunk(Duration.ofMillis(200)).build());
        TriageAssistant triage = new TriageAssistant(model, Duration.ofMillis(100));
        assertThat(triage.classify("It is broken")).isEqualTo(TriageAssistant.Category.QUESTION);
    }
}
