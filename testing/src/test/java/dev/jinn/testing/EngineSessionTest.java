package dev.jinn.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jinn.ChatMessage;
import dev.jinn.ChatResponse;
import dev.jinn.ClosedException;
import dev.jinn.ConcurrentUseException;
import dev.jinn.ContextOverflowException;
import dev.jinn.FinishReason;
import dev.jinn.Generation;
import dev.jinn.GenerationEvent;
import dev.jinn.GenerationOptions;
import dev.jinn.InvalidOptionException;
import dev.jinn.Model;
import dev.jinn.OverflowPolicy;
import dev.jinn.Prompt;
import dev.jinn.Sampler;
import dev.jinn.Session;
import dev.jinn.SessionOptions;
import dev.jinn.engine.session.EngineModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The engine's session layer over the fake transformer: everything above the forward pass. */
class EngineSessionTest {
    private static final GenerationOptions GREEDY = GenerationOptions.builder().sampler(Sampler.greedy()).build();

    @Test
    void chatSplitsReasoningFromAnswerAndRecordsTheTurn() {
        try (Model model = FakeModels.replying(256, "Two plus two is four.</think>\n\nIt is 4.");
             Session s = model.newSession()) {
            ChatResponse r = s.chat("What is 2+2?", GREEDY);
            assertThat(r.reasoning()).isEqualTo("Two plus two is four.");
            assertThat(r.answer()).isEqualTo("It is 4.");
            assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
            assertThat(r.usage().reasoningTokens()).isGreaterThan(0).isLessThan(r.usage().completionTokens());
            assertThat(s.history()).hasSize(2);
            assertThat(s.history().get(1).content()).startsWith("<think>\n").endsWith("It is 4.");
        }
    }

    @Test
    void secondTurnPrefillsOnlyWhatIsNotCached() {
        FakeTokenizer tok = new FakeTokenizer();
        FakeTransformer tf = FakeTransformer.replying(tok, 512, "Hi.</think>Hello there", "Ok.</think>Bye");
        try (Model model = FakeModels.create("m", tf, tok, true); Session s = model.newSession()) {
            ChatResponse first = s.chat("Hello", GREEDY);
            assertThat(first.usage().cachedPromptTokens()).isZero();
            long before = tf.tokensProcessed();
            ChatResponse second = s.chat("Goodbye", GREEDY);
            assertThat(second.answer()).isEqualTo("Bye");
            // the first turn's prompt is reused; R1-style templates drop the old reasoning, so re-prefill starts there
            assertThat(second.usage().cachedPromptTokens()).isEqualTo(first.usage().promptTokens() - 2);
            long prefilled = second.usage().promptTokens() - second.usage().cachedPromptTokens();
            assertThat(tf.tokensProcessed() - before)
                    .isEqualTo(prefilled + second.usage().completionTokens());
            assertThat(prefilled).isLessThan(second.usage().promptTokens());
        }
    }

    @Test
    void cacheReuseGivesTheSameResultAsAFreshSession() {
        try (EngineModel model = FakeModels.random(1024, 5)) {
            GenerationOptions opts = GREEDY.toBuilder().maxTokens(12).build();
            Session a = model.newSession();
            a.chat("first question", opts);
            ChatResponse reused = a.chat("second question", opts);
            // a fresh session given the same conversation must generate the same tokens
            Session b = model.newSession();
            List<ChatMessage> history = a.history();
            ChatResponse fresh = b.chat(new Prompt.Chat(history.subList(0, 3)), opts);
            assertThat(fresh.answer() + fresh.reasoning()).isEqualTo(reused.answer() + reused.reasoning());
            assertThat(reused.usage().cachedPromptTokens()).isPositive();
            assertThat(fresh.usage().cachedPromptTokens()).isZero();
        }
    }

    @Test
    void stopStringsAcrossTokenBoundariesAreNotEmitted() {
        try (Model model = FakeModels.replying(256, "ok</think>Hello world and more"); Session s = model.newSession()) {
            ChatResponse r = s.chat("hi", GREEDY.toBuilder().stopStrings("o wor").build());
            assertThat(r.answer()).isEqualTo("Hell");
            assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    @Test
    void stopTokensEndGeneration() {
        FakeTokenizer tok = new FakeTokenizer();
        try (Model model = FakeModels.replying(256, "ok</think>abcSTOPdef"); Session s = model.newSession()) {
            ChatResponse r = s.chat("hi", GREEDY.toBuilder().stopTokens(Set.of(tok.tokenId("STOP"))).build());
            assertThat(r.answer()).isEqualTo("abc");
            assertThat(r.finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    @Test
    void maxTokensEndsWithLength() {
        try (Model model = FakeModels.replying(256, "a long line of reasoning</think>x"); Session s = model.newSession()) {
            ChatResponse r = s.chat("hi", GREEDY.toBuilder().maxTokens(5).build());
            assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(r.usage().completionTokens()).isEqualTo(5);
            assertThat(r.reasoning()).isEqualTo("a lon");
        }
    }

    @Test
    void reasoningBudgetForcesTheEndOfThinking() {
        try (Model model = FakeModels.replying(256, "think think think think</think>Done."); Session s = model.newSession()) {
            ChatResponse r = s.chat("hi", GREEDY.toBuilder().reasoningBudget(3).build());
            assertThat(r.reasoning()).isEqualTo("thi");
            assertThat(r.usage().reasoningTokens()).isEqualTo(4); // three, then the forced </think>
            assertThat(r.answer()).isEqualTo("Done.");
            ChatResponse none = model.newSession().chat("hi", GREEDY.toBuilder().reasoningBudget(0).build());
            assertThat(none.reasoning()).isEmpty();
            assertThat(none.answer()).isEqualTo("Done.");
        }
    }

    @Test
    void seededSamplingIsReproducibleAndSeedsDiffer() {
        try (EngineModel model = FakeModels.random(512, 9)) {
            GenerationOptions o = GenerationOptions.builder().maxTokens(20)
                    .sampler(Sampler.builder().temperature(1f).build()).seed(123L).build();
            String a = text(model.newSession().generate(Prompt.user("x"), o));
            String b = text(model.newSession().generate(Prompt.user("x"), o));
            String c = text(model.newSession().generate(Prompt.user("x"), o.toBuilder().seed(124L).build()));
            assertThat(a).isEqualTo(b).isNotEqualTo(c);
        }
    }

    @Test
    void manySessionsRunConcurrentlyWithTheSameResultsAsAlone() throws Exception {
        try (EngineModel model = FakeModels.random(512, 11)) {
            GenerationOptions o = GenerationOptions.builder().maxTokens(30).seed(7L)
                    .sampler(Sampler.deepSeekR1Distill()).build();
            List<String> alone = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                alone.add(text(model.newSession().generate(Prompt.user("q" + i), o)));
            }
            String[] together = new String[4];
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int n = i;
                threads.add(Thread.ofPlatform().start(() -> together[n] =
                        text(model.newSession().generate(Prompt.user("q" + n), o))));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(together).containsExactlyElementsOf(alone);
        }
    }

    @Test
    void concurrentUseOfOneSessionIsDetected() {
        try (EngineModel model = FakeModels.random(512, 1); Session s = model.newSession()) {
            Generation g = s.generate(Prompt.user("a"), GREEDY);
            g.next();
            assertThatThrownBy(() -> s.generate(Prompt.user("b"), GREEDY))
                    .isInstanceOf(ConcurrentUseException.class).hasMessageContaining("one thread at a time");
            assertThatThrownBy(s::fork).isInstanceOf(ConcurrentUseException.class);
            g.close();
            assertThat(g.done().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(s.chat("c", GREEDY.toBuilder().maxTokens(3).build()).usage().completionTokens()).isEqualTo(3);
        }
    }

    @Test
    void cancelFromAnotherThreadStopsWithinOneTokenAndLeavesTheSessionUsable() throws Exception {
        FakeTokenizer tok = new FakeTokenizer();
        FakeTransformer tf = FakeTransformer.random(tok.vocabularySize(), 4096, 3)
                .delayPerForward(Duration.ofMillis(5));
        try (Model model = FakeModels.create("slow", tf, tok, true); Session s = model.newSession()) {
            CountDownLatch started = new CountDownLatch(3);
            List<GenerationEvent> events = new ArrayList<>();
            Thread t = Thread.ofPlatform().start(() -> s.generate(Prompt.user("go"),
                    GREEDY.toBuilder().maxTokens(100_000).stopTokens(Set.of()).build(), e -> {
                        events.add(e);
                        started.countDown();
                    }));
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            long calls = tf.forwardCalls();
            s.cancel();
            t.join(5000);
            assertThat(t.isAlive()).isFalse();
            assertThat(tf.forwardCalls() - calls).isLessThanOrEqualTo(1);
            GenerationEvent.Done done = (GenerationEvent.Done) events.getLast();
            assertThat(done.finishReason()).isIn(FinishReason.CANCELLED, FinishReason.STOP);
            ChatResponse after = s.chat("again", GREEDY.toBuilder().maxTokens(2).build());
            assertThat(after.usage().completionTokens()).isLessThanOrEqualTo(2);
        }
    }

    @Test
    void timeoutEndsWithTimeout() {
        FakeTokenizer tok = new FakeTokenizer();
        FakeTransformer tf = FakeTransformer.random(tok.vocabularySize(), 4096, 3)
                .delayPerForward(Duration.ofMillis(20));
        try (Model model = FakeModels.create("slow", tf, tok, true); Session s = model.newSession()) {
            GenerationEvent.Done d = s.generate(Prompt.user("go"),
                    GREEDY.toBuilder().maxTokens(100_000).timeout(Duration.ofMillis(150)).build(), e -> { });
            assertThat(d.finishReason()).isIn(FinishReason.TIMEOUT, FinishReason.STOP);
        }
    }

    @Test
    void backendFailureEndsWithErrorAndTheSessionStaysUsable() {
        FakeTokenizer tok = new FakeTokenizer();
        FakeTransformer tf = FakeTransformer.replying(tok, 256, "a</think>bcdefgh");
        try (Model model = FakeModels.create("m", tf, tok, true); Session s = model.newSession()) {
            tf.failAtCall(3);
            GenerationEvent.Done d = s.generate(Prompt.user("x"), GREEDY, e -> { });
            assertThat(d.finishReason()).isEqualTo(FinishReason.ERROR);
            assertThat(d.error()).hasMessageContaining("fake backend failure");
            assertThat(s.history()).isEmpty();
            assertThat(s.chat("x", GREEDY).answer()).isEqualTo("bcdefgh");
        }
    }

    @Test
    void overflowFailsByDefaultWithAClearMessage() {
        try (EngineModel model = FakeModels.replying(64, "r</think>a");
             Session s = model.newSession(SessionOptions.builder().contextLength(32).build())) {
            assertThatThrownBy(() -> s.chat("x".repeat(40)))
                    .isInstanceOf(ContextOverflowException.class)
                    .hasMessageContaining("session's context holds 32")
                    .hasMessageContaining("DROP_OLDEST_TURNS");
            assertThat(s.history()).isEmpty();
            assertThat(s.chat("short", GREEDY).answer()).isEqualTo("a");
        }
    }

    @Test
    void overflowCanDropTheOldestTurnsKeepingTheSystemPrompt() {
        try (EngineModel model = FakeModels.replying(256, "r</think>ok");
             Session s = model.newSession(SessionOptions.builder().contextLength(50)
                     .overflowPolicy(OverflowPolicy.DROP_OLDEST_TURNS).systemPrompt("SYS").build())) {
            s.chat("first message", GREEDY);
            s.chat("second message", GREEDY);
            ChatResponse r = s.chat("third message", GREEDY);
            assertThat(r.answer()).isEqualTo("ok");
            List<ChatMessage> h = s.history();
            assertThat(h.getFirst()).isEqualTo(ChatMessage.system("SYS"));
            assertThat(h).extracting(ChatMessage::content).doesNotContain("first message").contains("third message");
            assertThat(r.usage().promptTokens()).isLessThan(50);
            assertThatThrownBy(() -> s.chat("y".repeat(80))).isInstanceOf(ContextOverflowException.class)
                    .hasMessageContaining("even after dropping");
        }
    }

    @Test
    void forkContinuesIndependently() {
        try (EngineModel model = FakeModels.random(512, 21); Session a = model.newSession()) {
            GenerationOptions o = GREEDY.toBuilder().maxTokens(8).build();
            a.chat("hello", o);
            Session b = a.fork();
            ChatResponse ra = a.chat("next", o);
            ChatResponse rb = b.chat("next", o);
            assertThat(rb).usingRecursiveComparison().ignoringFields("usage").isEqualTo(ra);
            b.chat("diverge", o);
            assertThat(b.history()).hasSize(6);
            assertThat(a.history()).hasSize(4);
        }
    }

    @Test
    void rawPromptsAddBosAndParseSpecialTokens() {
        FakeTokenizer tok = new FakeTokenizer();
        FakeTransformer tf = FakeTransformer.replying(tok, 256, "never used");
        try (Model model = FakeModels.create("raw", tf, tok, false); Session s = model.newSession()) {
            Generation g = s.generate(Prompt.raw("<|assistant|>"), GREEDY.toBuilder().maxTokens(4).build());
            String out = text(g);
            assertThat(out).isEqualTo("neve"); // the <|assistant|> in the text became the special token
            assertThat(g.done().usage().promptTokens()).isEqualTo(2); // BOS + <|assistant|>
            assertThatThrownBy(() -> s.chat("hi")).isInstanceOf(InvalidOptionException.class);
        }
    }

    @Test
    void closedSessionAndModelThrowClosedException() {
        EngineModel model = FakeModels.random(128, 1);
        Session s = model.newSession();
        s.close();
        s.close(); // idempotent
        assertThatThrownBy(() -> s.chat("x")).isInstanceOf(ClosedException.class).hasMessageContaining("newSession");
        Session t = model.newSession();
        model.close();
        model.close();
        assertThat(t.isClosed()).isTrue();
        assertThatThrownBy(() -> model.newSession()).isInstanceOf(ClosedException.class)
                .hasMessageContaining("Model.load");
    }

    @Test
    void sessionContextLargerThanTheModelsIsRejected() {
        try (EngineModel model = FakeModels.random(128, 1)) {
            assertThatThrownBy(() -> model.newSession(SessionOptions.builder().contextLength(1000).build()))
                    .isInstanceOf(InvalidOptionException.class).hasMessageContaining("ModelOptions.contextLength");
        }
    }

    @Test
    void aThrowingListenerCancelsAndTheSessionStaysUsable() {
        try (Model model = FakeModels.replying(256, "abc</think>def"); Session s = model.newSession()) {
            assertThatThrownBy(() -> s.generate(Prompt.user("x"), GREEDY, e -> {
                throw new IllegalStateException("listener bug");
            })).isInstanceOf(dev.jinn.GenerationException.class).hasMessageContaining("listener bug");
            assertThat(s.chat("y", GREEDY).answer()).isEqualTo("def");
        }
    }

    @Test
    void multiByteCharactersAreNeverSplitAcrossEvents() {
        try (Model model = FakeModels.replying(256, "é→€😀</think>naïve ✓"); Session s = model.newSession()) {
            List<GenerationEvent> events = new ArrayList<>();
            s.generate(Prompt.user("x"), GREEDY, events::add);
            StringBuilder all = new StringBuilder();
            for (GenerationEvent e : events) {
                String t = e instanceof GenerationEvent.Reasoning r ? r.text()
                        : e instanceof GenerationEvent.Answer a ? a.text() : "";
                assertThat(t).doesNotContain("\uFFFD");
                all.append(t).append('|');
            }
            assertThat(all.toString().replace("|", "")).isEqualTo("é→€😀naïve ✓");
        }
    }

    @Test
    void anAbandonedButCancelledGenerationFreesTheSession() {
        try (EngineModel model = FakeModels.random(512, 1); Session s = model.newSession()) {
            Generation g = s.generate(Prompt.user("a"), GREEDY);
            g.next(); // pulled once, then abandoned
            s.cancel();
            assertThat(s.chat("b", GREEDY.toBuilder().maxTokens(2).build()).usage().completionTokens()).isEqualTo(2);
            assertThat(g.done().finishReason()).isEqualTo(FinishReason.CANCELLED);
        }
    }

    static String text(Generation g) {
        StringBuilder sb = new StringBuilder();
        g.drain(e -> {
            switch (e) {
                case GenerationEvent.Reasoning r -> sb.append(r.text());
                case GenerationEvent.Answer a -> sb.append(a.text());
                case GenerationEvent.Done d -> { }
            }
        });
        return sb.toString();
    }
}
