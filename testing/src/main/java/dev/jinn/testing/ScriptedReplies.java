package dev.jinn.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Replies a {@link ScriptedModel} injected by {@link ScriptedModelExtension} starts with, in order; each is parsed by
 * {@link ScriptedReply#parse} ({@code "<think>reasoning</think>answer"} or just {@code "answer"}). On a test method,
 * or on the class for all its tests (a method's annotation wins).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface ScriptedReplies {
    String[] value();
}
