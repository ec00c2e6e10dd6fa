package dev.jinn.testing;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives each test a fresh {@link ScriptedModel} (as a parameter of type
 * {@code ScriptedModel}, or of type {@link dev.jinn.Model}) and closes it after the test. Replies can be preloaded
 * with {@link ScriptedReplies}.
 *
 * <pre>{@code
 * @ExtendWith(ScriptedModelExtension.class)
 * class GeographyTest {
 *     @Test
 *     @ScriptedReplies("<think>It is Paris.</think>Paris")
 *     void answersCapitals(ScriptedModel model) { ... }
 * }
 * }</pre>
 */
public final class ScriptedModelExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ScriptedModelExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        Class<?> type = p.getParameter().getType();
        return type == ScriptedModel.class || type == dev.jinn.Model.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
        return ctx.getStore(NS).computeIfAbsent(key(ctx), k -> create(ctx), ScriptedModel.class);
    }

    private static String key(ExtensionContext ctx) {
        return "model:" + ctx.getUniqueId();
    }

    private static ScriptedModel create(ExtensionContext ctx) {
        ScriptedModel model = new ScriptedModel();
        ScriptedReplies replies = find(ctx.getTestMethod().map(m -> (AnnotatedElement) m))
                .orElseGet(() -> find(ctx.getTestClass().map(c -> (AnnotatedElement) c)).orElse(null));
        if (replies != null) {
            for (String r : replies.value()) {
                model.enqueue(r);
            }
        }
        return model;
    }

    private static Optional<ScriptedReplies> find(Optional<AnnotatedElement> e) {
        return e.map(x -> x.getAnnotation(ScriptedReplies.class));
    }

    @Override
    public void afterEach(ExtensionContext ctx) {
        ScriptedModel m = ctx.getStore(NS).remove(key(ctx), ScriptedModel.class);
        if (m != null) {
            m.close();
        }
    }
}
