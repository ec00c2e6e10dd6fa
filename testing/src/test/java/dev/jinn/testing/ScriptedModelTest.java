package dev.jinn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ChatResponse;
import dev.jinn.ConcurrentUseException;
import dev.jinn.ContextOverflowException;
import dev.jinn.FinishReason;
import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationException;
import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.Prompt;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.jinn.StateFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(ScriptedModelExtension.class)
@ScriptedReplies("class-level reply")
class ScriptedModelTest {

    @Test
    void classLevelRepliesApplyAndModelParametersResolve(Model model) {
        assertThat(model).isInstanceOf(ScriptedModel.class);
        assertThat(model.newSession().chat("hi").answer()).isEqualTo("class-level reply");
    }

    @Test
    @ScriptedReplies({"<think>first I think</think>Answer one", "Answer two"})
    void repliesStreamInChunksAndPromptsAreRecorded(ScriptedModel model) {
        try (Session s = model.newSession(SessionOptions.builder().systemPrompt("SYS").build())) {
            List<GenerationEvent> events = s.stream(Prompt.user("q1"), GenerationOptions.DEFAULTS).toList();
            assertThat(events).first().isEqualTo(new GenerationEvent.Reasoning("firs"));
            assertThat(events.stream().filter(e -> e instanceof GenerationEvent.Answer).count()).isEqualTo(3);
            assertThat(events.getLast()).isInstanceOf(GenerationEvent.Done.class);
            ChatResponse second = s.chat("q2");
            assertThat(second.answer()).isEqualTo("Answer two");
            assertThat(second.reasoning()).isEmpty();
            assertThat(model.prompts()).hasSize(2);
            assertThat(model.lastPrompt().lastUserMessage()).isEqualTo("q2");
            assertThat(model.lastPrompt().systemPrompt()).isEqualTo("SYS");
            assertThat(model.lastPrompt().conversation()).hasSize(4); // system, q1, answer one, q2
            assertThat(s.history().get(2).content()).contains("first I think").endsWith("Answer one");
        }
        assertThat(model.newSession().chat("more").answer()).isEqualTo("OK"); // default once the script is used up
    }

    @Test
    @ScriptedReplies({}) // nothing preloaded: the method's annotation overrides the class's
    void canFailAndBeSlowAndHonoursLimits(ScriptedModel model) {
        model.whenScriptEmpty(null);
        try (Session s = model.newSession()) {
            assertThatThrownBy(() -> s.chat("nothing scripted")).isInstanceOf(GenerationException.class)
                    .hasMessageContaining("no reply left");
            model.failNext(new GenerationException("boom"));
            assertThatThrownBy(() -> s.chat("x")).hasMessage("boom");
            model.enqueue(ScriptedReply.builder().answer("a", "b", "c", "d").build());
            ChatResponse r = s.chat("x", GenerationOptions.builder().maxTokens(2).build());
            assertThat(r.answer()).isEqualTo("ab");
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            model.enqueue(ScriptedReply.builder().answer("a", "b").delayPerChunk(Duration.ofMillis(300)).build());
            ChatResponse slow = s.chat("x", GenerationOptions.builder().timeout(Duration.ofMillis(100)).build());
            assertThat(slow.finishReason()).isEqualTo(FinishReason.TIMEOUT);
        }
    }

    @Test
    @ScriptedReplies({})
    void sessionsAreSingleThreadedAndCancellable(ScriptedModel model) throws Exception {
        model.slow(Duration.ofMillis(50)).enqueue(ScriptedReply.builder().answer("1", "2", "3", "4", "5").build());
        try (Session s = model.newSession()) {
            Generation g = s.generate(Prompt.user("x"));
            assertThat(g.next()).isEqualTo(new GenerationEvent.Answer("1"));
            assertThatThrownBy(() -> s.generate(Prompt.user("y"))).isInstanceOf(ConcurrentUseException.class);
            Thread.ofPlatform().start(s::cancel).join();
            assertThat(g.next()).isInstanceOfSatisfying(GenerationEvent.Done.class,
                    d -> assertThat(d.finishReason()).isEqualTo(FinishReason.CANCELLED));
            assertThat(s.chat("again").answer()).isEqualTo("OK");
        }
    }

    @Test
    void overflowForkSaveAndRestore(ScriptedModel model, @TempDir Path dir) {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(20).build())) {
            assertThatThrownBy(() -> s.chat("x".repeat(200))).isInstanceOf(ContextOverflowException.class);
            s.chat("hello");
            Session f = s.fork();
            assertThat(f.history()).isEqualTo(s.history());
            Path file = dir.resolve("s.bin");
            s.save(file);
            assertThat(Session.restore(model, file).history()).isEqualTo(s.history());
            try (ScriptedModel other = new ScriptedModel("other", 100)) {
                assertThatThrownBy(() -> Session.restore(other, file)).isInstanceOf(StateFileException.class)
                        .hasMessageContaining("saved from model scripted:scripted");
            }
        }
    }
}
