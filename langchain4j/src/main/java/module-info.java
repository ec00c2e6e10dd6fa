/**
 * LangChain4j {@code ChatModel} and {@code StreamingChatModel} over a Jinn {@code Model}. langchain4j-core has no
 * module descriptor nor Automatic-Module-Name, so it is required by the name derived from its jar file.
 */
module dev.jinn.langchain4j {
    requires transitive dev.jinn.api;
    requires transitive langchain4j.core;

    exports dev.jinn.langchain4j;
}
