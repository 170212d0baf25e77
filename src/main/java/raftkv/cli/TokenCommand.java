package raftkv.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import raftkv.security.Role;
import raftkv.security.Tokens;

/**
 * {@code raftkv token}: makes client tokens and the hashes a configuration holds of them
 * (docs/API.md, "Authentication").
 */
@Command(name = "token", mixinStandardHelpOptions = true,
    description = "Make client tokens for a cluster with authentication on.",
    subcommands = {TokenCommand.New.class, TokenCommand.Hash.class})
final class TokenCommand {

  @Command(name = "new", mixinStandardHelpOptions = true,
      description = {"Make a new random token. Prints the token (give it to its holder; it is"
          + " shown only this once) and the entry to add to auth.tokens of every node's and"
          + " gateway's configuration."})
  static final class New implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, description = "who holds it, e.g. billing-app")
    String name;

    @Option(names = "--role", required = true, converter = RoleConverter.class,
        description = "read, read-write or admin")
    Role role;

    @Override
    public Integer call() {
      String token = Tokens.generate();
      var out = spec.commandLine().getOut();
      out.println("token:  " + token);
      out.println("config: {\"name\": \"" + name.replace("\"", "\\\"") + "\", \"role\": \""
          + role.configName() + "\", \"sha256\": \"" + Tokens.hash(token) + "\"}");
      out.flush();
      return 0;
    }
  }

  @Command(name = "hash", mixinStandardHelpOptions = true,
      description = {"Print the SHA-256 of the token read from standard input (the first line),"
          + " as auth.tokens[].sha256 holds it. Reading it from standard input keeps it out of"
          + " the shell's history and the process list."})
  static final class Hash implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
          .readLine();
      if (line == null || line.isBlank()) {
        spec.commandLine().getErr().println("raftkv: no token on standard input: echo TOKEN |"
            + " raftkv token hash");
        return ClientError.USAGE;
      }
      spec.commandLine().getOut().println(Tokens.hash(line.trim()));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  static final class RoleConverter implements picocli.CommandLine.ITypeConverter<Role> {
    @Override
    public Role convert(String value) {
      try {
        return Role.parse(value);
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException(e.getMessage());
      }
    }
  }
}
