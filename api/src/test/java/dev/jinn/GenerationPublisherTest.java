package dev.jinn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GenerationPublisherTest {

    /** A generation of n answer chunks, then Done; records cancellation. */
    static final class ListGeneration implements Generation {
        final ArrayDeque<GenerationEvent> events = new ArrayDeque<>();
        volatile boolean cancelled;
        volatile int pulled;
        GenerationEvent.Done done;

        ListGeneration(int n) {
            for (int i = 0; i < n; i++) {
                events.add(new GenerationEvent.Answer("t" + i));
            }
        }

        @Override public boolean hasNext() { return done == null; }

        @Override public GenerationEvent next() {
            if (done != null) {
                throw new NoSuchElementException();
            }
            pulled++;
            if (cancelled || events.isEmpty()) {
                done = new GenerationEvent.Done(cancelled ? FinishReason.CANCELLED : FinishReason.STOP, Usage.NONE);
                return done;
            }
            return events.poll();
        }

        @Override public void cancel() { cancelled = true; }
        @Override public GenerationEvent.Done done() { return done; }
        @Override public void close() { cancel(); }
    }

    static final Executor DIRECT = Runnable::run;

    @Test
    void deliversOnlyWhatIsRequestedThenCompletes() {
        ListGeneration g = new ListGeneration(3);
        GenerationPublisher p = new GenerationPublisher(() -> g, DIRECT);
        List<GenerationEvent> got = new ArrayList<>();
        boolean[] complete = new boolean[1];
        Flow.Subscription[] sub = new Flow.Subscription[1];
        p.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { sub[0] = s; }
            @Override public void onNext(GenerationEvent item) { got.add(item); }
            @Override public void onError(Throwable t) { throw new AssertionError(t); }
            @Override public void onComplete() { complete[0] = true; }
        });
        assertThat(got).isEmpty();
        assertThat(g.pulled).isZero(); // cold: nothing computed before a request
        sub[0].request(2);
        assertThat(got).hasSize(2);
        assertThat(g.pulled).isEqualTo(2);
        sub[0].request(10);
        assertThat(got).hasSize(4).last().isInstanceOf(GenerationEvent.Done.class);
        assertThat(complete[0]).isTrue();
    }

    @Test
    void cancellingTheSubscriptionCancelsTheGeneration() {
        ListGeneration g = new ListGeneration(100);
        GenerationPublisher p = new GenerationPublisher(() -> g, DIRECT);
        p.subscribe(new Flow.Subscriber<>() {
            Flow.Subscription s;
            @Override public void onSubscribe(Flow.Subscription s) { this.s = s; s.request(1); }
            @Override public void onNext(GenerationEvent item) { s.cancel(); }
            @Override public void onError(Throwable t) { }
            @Override public void onComplete() { }
        });
        assertThat(g.cancelled).isTrue();
        assertThat(g.pulled).isEqualTo(1);
    }

    @Test
    void aSecondSubscriberGetsAnErrorAndStartFailuresReachOnError() throws Exception {
        GenerationPublisher p = new GenerationPublisher(() -> new ListGeneration(1), DIRECT);
        p.subscribe(new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { }
            @Override public void onNext(GenerationEvent item) { }
            @Override public void onError(Throwable t) { }
            @Override public void onComplete() { }
        });
        CountDownLatch errors = new CountDownLatch(2);
        Flow.Subscriber<GenerationEvent> expectError = new Flow.Subscriber<>() {
            @Override public void onSubscribe(Flow.Subscription s) { }
            @Override public void onNext(GenerationEvent item) { }
            @Override public void onError(Throwable t) { errors.countDown(); }
            @Override public void onComplete() { }
        };
        p.subscribe(expectError);
        new GenerationPublisher(() -> { throw new ConcurrentUseException("busy"); }, DIRECT).subscribe(expectError);
        assertThat(errors.await(1, TimeUnit.SECONDS)).isTrue();
    }
}
