/**
 * Spring Boot auto-configuration of Jinn. Spring's jars are automatic modules. The health indicator needs
 * spring-boot-health only when Actuator is present ({@code requires static}); the scripted model of jinn-testing is
 * found by reflection, so it stays a test-scope choice of the application. The package is open to Spring, which
 * instantiates and proxies the configuration classes reflectively.
 */
module dev.jinn.spring {
    requires transitive dev.jinn.api;
    requires transitive spring.boot.autoconfigure;
    requires spring.boot;
    requires spring.context;
    requires spring.beans;
    requires spring.core;
    requires static spring.boot.health;
    requires org.slf4j;

    exports dev.jinn.spring;

    opens dev.jinn.spring to spring.core, spring.beans, spring.context;
}
