package io.ambit.service.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.CommandLinePropertySource;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Refuses to start a service given a secret on its command line ({@code --ambit.ca.local.node-tokens.node-a=…}):
 * {@code ps} and {@code /proc/<pid>/cmdline} show a process's arguments to every local user, who could
 * then obtain any identity of that node. Secrets come from a file (owner-only) or the environment;
 * a property naming a file ({@code token-file}, {@code node-token-files}) is fine.
 */
public final class SecretsOffCommandLine implements EnvironmentPostProcessor, Ordered {

    /** A property segment that holds a secret itself: {@code token}, {@code node-tokens}, {@code password}, {@code secret}. */
    private static final Pattern SECRET_SEGMENT = Pattern.compile("(.*-)?(token|tokens|password|passwords|secret|secrets)");

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        PropertySource<?> commandLine = environment.getPropertySources().get(CommandLinePropertySource.COMMAND_LINE_PROPERTY_SOURCE_NAME);
        if (!(commandLine instanceof EnumerablePropertySource<?> arguments)) {
            return;
        }
        List<String> secrets = new ArrayList<>();
        for (String name : arguments.getPropertyNames()) {
            if (holdsSecret(name)) {
                secrets.add(name);
            }
        }
        if (!secrets.isEmpty()) {
            throw new IllegalStateException("refusing to start: " + String.join(", ", secrets) + " given on the command line, "
                    + "where every local user can read it (ps, /proc/<pid>/cmdline). Give a file instead "
                    + "(e.g. --ambit.ca.local.node-token-files.node-a=/path, owner-only) or set it in the environment.");
        }
    }

    static boolean holdsSecret(String propertyName) {
        for (String segment : propertyName.toLowerCase(Locale.ROOT).split("\\.")) {
            if (SECRET_SEGMENT.matcher(segment).matches()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
