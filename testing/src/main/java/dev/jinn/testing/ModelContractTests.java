package dev.jinn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ChatResponse;
import dev.jinn.ClosedException;
import dev.jinn.ContextOverflowException;
import dev.jinn.FinishReason;
import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.Model;
import dev.jinn.Prompt;
import dev.jinn.Sampler;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.jinn.StateFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link Model} implementation (every backend) must do, as an abstract JUnit 5 suite: extend it, open
 * the model in {@link #openModel()}, and optionally say how prompts are written ({@link #prompt(String)}: chat by
 * default; raw text for models without a chat template). One model is opened for the whole class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ModelContractTests {
    protected Model model;

    /** Opens the model under test; closed after the class. */
    protected abstract Model openModel();

    /** A prompt for this model; override for models without a chat template ({@code Prompt.raw(text)}). */
    protected Prompt prompt(String text) {
        return Prompt.user(text);
    }

    /** Tokens per test generation; small keeps real models fast. */
    protected int maxTokens() {
        return 8;
    }

    protected GenerationOptions greedy() {
        return GenerationOptions.builder().sampler(Sampler.greedy()).maxTokens(maxTokens()).build();
    }

    @BeforeAll
    void open() {
        model = openModel();
    }

    @AfterAll
    void closeModel() {
        if (model != null) {
            model.close();
        }
    }

    /** Text of all Reasoning and Answer events, in order, with a marker between the two kinds. */
    protected static String transcript(List<GenerationEvent> events) {
        StringBuilder sb = new StringBuilder();
        for (GenerationEvent e : events) {
            switch (e) {
                case GenerationEvent.Reasoning r -> sb.append("[r]").append(r.text());
                case GenerationEvent.Answer a -> sb.append("[a]").append(a.text());
                case GenerationEvent.Done d -> sb.append("[done ").append(d.finishReason()).append(']');
            }
        }
        return sb.toString();
    }

    protected static List<GenerationEvent> collect(Generation g) {
        List<GenerationEvent> out = new ArrayList<>();
        g.drain(out::add);
        return out;
    }

    protected String run(Session s, String text, GenerationOptions o) {
        return transcript(collect(s.generate(prompt(text), o)));
    }

    @Test
    void infoDescribesTheModel() {
        var info = model.info();
        assertThat(info.name()).isNotBlank();
        assertThat(info.identity()).isNotBlank();
        assertThat(info.vocabularySize()).isPositive();
        assertThat(info.contextLength()).isPositive().isLessThanOrEqualTo(Math.max(info.trainedContextLength(),
                info.contextLength()));
        assertThat(info.backend()).isNotBlank();
    }

    @Test
    void greedyGenerationIsDeterministicAndEndsWithDone() {
        try (Session a = model.newSession(); Session b = model.newSession()) {
            String x = run(a, "Tell me a story", greedy());
            String y = run(b, "Tell me a story", greedy());
            assertThat(x).isEqualTo(y).contains("[done ");
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        GenerationOptions o = GenerationOptions.builder().maxTokens(maxTokens()).seed(42L)
                .sampler(Sampler.builder().temperature(1.0f).topK(40).build()).build();
        try (Session a = model.newSession(); Session b = model.newSession()) {
            assertThat(run(a, "Once upon a time", o)).isEqualTo(run(b, "Once upon a time", o));
        }
    }

    @Test
    void maxTokensEndsWithLength() {
        GenerationOptions o = greedy().toBuilder().maxTokens(3).stopTokens(java.util.Set.of()).build();
        try (Session s = model.newSession()) {
            Generation g = s.generate(prompt("Count to ten"), o);
            collect(g);
            GenerationEvent.Done d = g.done();
            assertThat(d.finishReason()).isIn(FinishReason.LENGTH, FinishReason.STOP);
            assertThat(d.usage().completionTokens()).isLessThanOrEqualTo(3);
            if (d.finishReason() == FinishReason.LENGTH) {
                assertThat(d.usage().completionTokens()).isEqualTo(3);
            }
            assertThat(d.usage().promptTokens()).isPositive();
        }
    }

    @Test
    void listenerStreamAndPublisherGiveTheSameEvents() throws Exception {
        List<GenerationEvent> viaListener = new ArrayList<>();
        try (Session s = model.newSession()) {
            s.generate(prompt("Hello"), greedy(), viaListener::add);
        }
        List<GenerationEvent> viaStream;
        try (Session s = model.newSession(); var stream = s.stream(prompt("Hello"), greedy())) {
            viaStream = stream.toList();
        }
        List<GenerationEvent> viaPublisher = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> completed = new CompletableFuture<>();
        try (Session s = model.newSession()) {
            s.publisher(prompt("Hello"), greedy()).subscribe(new Flow.Subscriber<>() {
                private Flow.Subscription sub;

                @Override
                public void onSubscribe(Flow.Subscription subscription) {
                    sub = subscription;
                    sub.request(1);
                }

                @Override
                public void onNext(GenerationEvent item) {
                    viaPublisher.add(item);
                    sub.request(1);
                }

                @Override
                public void onError(Throwable throwable) {
                    completed.completeExceptionally(throwable);
                }

                @Override
                public void onComplete() {
                    completed.complete(null);
                }
            });
            completed.get(60, TimeUnit.SECONDS);
        }
        String expected = transcript(viaListener);
        assertThat(transcript(viaStream)).isEqualTo(expected);
        assertThat(transcript(viaPublisher)).isEqualTo(expected);
    }

    @Test
    void concurrentSessionsGiveTheSameResultsAsAlone() throws Exception {
        GenerationOptions o = GenerationOptions.builder().maxTokens(maxTokens()).seed(7L)
                .sampler(Sampler.builder().temperature(0.8f).topP(0.95f).build()).build();
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (Session s = model.newSession()) {
                alone.add(run(s, "Question number " + i, o));
            }
        }
        String[] together = new String[3];
        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            threads.add(Thread.ofPlatform().start(() -> {
                try (Session s = model.newSession()) {
                    together[n] = run(s, "Question number " + n, o);
                } catch (Throwable t) {
                    failure.set(t);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(failure.get()).isNull();
        assertThat(together).containsExactlyElementsOf(alone);
    }

    @Test
    void aFollowUpReusesTheCachedPrefix() {
        try (Session s = model.newSession()) {
            Generation first = s.generate(prompt("First"), greedy());
            collect(first);
            Generation second = s.generate(prompt("Second"), greedy());
            collect(second);
            assertThat(second.done().usage().cachedPromptTokens()).isPositive();
            assertThat(second.done().usage().promptTokens())
                    .isGreaterThan(first.done().usage().promptTokens());
        }
    }

    @Test
    void forkAndRestoreContinueLikeTheOriginal(@TempDir Path dir) {
        Path file = dir.resolve("session.jinn");
        try (Session a = model.newSession()) {
            run(a, "Begin", greedy());
            a.save(file);
            try (Session forked = a.fork(); Session restored = Session.restore(model, file)) {
                String original = run(a, "Continue", greedy());
                assertThat(run(forked, "Continue", greedy())).isEqualTo(original);
                assertThat(run(restored, "Continue", greedy())).isEqualTo(original);
                assertThat(restored.history()).isEqualTo(a.history());
            }
        }
    }

    @Test
    void restoreRejectsTruncatedAndCorruptFiles(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("session.jinn");
        try (Session a = model.newSession()) {
            run(a, "Begin", greedy());
            a.save(file);
        }
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.jinn");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> Session.restore(model, truncated)).isInstanceOf(StateFileException.class)
                .hasMessageContaining("truncated");
        Path corrupt = dir.resolve("corrupt.jinn");
        byte[] flipped = bytes.clone();
        flipped[flipped.length - 12] ^= 0x5A;
        Files.write(corrupt, flipped);
        assertThatThrownBy(() -> Session.restore(model, corrupt)).isInstanceOf(StateFileException.class);
        Path garbage = dir.resolve("garbage.jinn");
        Files.writeString(garbage, "this is not a session");
        assertThatThrownBy(() -> Session.restore(model, garbage)).isInstanceOf(StateFileException.class);
        assertThatThrownBy(() -> Session.restore(model, dir.resolve("missing.jinn")))
                .isInstanceOf(StateFileException.class).hasMessageContaining("no such file");
    }

    @Test
    void aPromptLongerThanTheContextFailsClearly() {
        try (Session s = model.newSession(SessionOptions.builder().contextLength(8).build())) {
            assertThatThrownBy(() -> s.generate(prompt("word ".repeat(50)), greedy()))
                    .isInstanceOf(ContextOverflowException.class).hasMessageContaining("context");
            // the session is unchanged and still usable
            assertThat(s.tokenCount()).isZero();
        }
    }

    @Test
    void cancelFromAnotherThreadStopsAndTheSessionStaysUsable() {
        try (Session s = model.newSession()) {
            GenerationOptions o = greedy().toBuilder().maxTokens(10_000).stopTokens(java.util.Set.of()).build();
            List<GenerationEvent> events = new ArrayList<>();
            GenerationEvent.Done d = s.generate(prompt("Go on and on"), o, e -> {
                events.add(e);
                if (events.size() == 1) {
                    Thread t = Thread.ofPlatform().start(s::cancel);
                    try {
                        t.join();
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            assertThat(d.finishReason()).isIn(FinishReason.CANCELLED, FinishReason.STOP);
            assertThat(d.usage().completionTokens()).isLessThan(50);
            ChatResponse next = s.chat(prompt("Again"), greedy());
            assertThat(next.finishReason()).isIn(FinishReason.STOP, FinishReason.LENGTH);
        }
    }

    @Test
    void aClosedSessionThrowsClosedException() {
        Session s = model.newSession();
        s.close();
        s.close();
        assertThatThrownBy(() -> s.generate(prompt("x"), greedy())).isInstanceOf(ClosedException.class);
    }
}
