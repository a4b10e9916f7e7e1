package org.synthray.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.synthray.coordinator.cli.AdminCliAccess;
import org.synthray.coordinator.testing.KeycloakResource;

/** bin/synthray-admin against a coordinator with authentication on: credentials, roles, sites. */
@QuarkusTest
@TestProfile(AuthProfile.class)
class AdminCliAuthTest {

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    record Result(int code, String out, String err) {
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = AdminCliAccess.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "--url=http://127.0.0.1:" + port;
        System.arraycopy(args, 0, all, 1, args.length);
        return new Result(cl.execute(all), out.toString(), err.toString());
    }

    private static Path secret(Path dir, String client) throws Exception {
        Path f = dir.resolve(client + ".secret");
        Files.writeString(f, Tokens.SECRETS.get(client) + "\n");
        return f;
    }

    @Test
    void anAdminApprovesListsAndRevokesSites(@TempDir Path dir) throws Exception {
        String[] creds = {"--issuer=" + KeycloakResource.issuer(), "--client-secret-file=" + secret(dir, Tokens.ADMIN)};
        Result approved = run(cat(creds, "sites", "approve", "cli-site-1", "cli-site-2"));
        assertEquals(0, approved.code(), approved.err());
        assertTrue(approved.out().contains("cli-site-1") && approved.out().contains("APPROVED"), approved.out());
        Result revoked = run(cat(creds, "sites", "revoke", "cli-site-2", "--reason", "left the consortium"));
        assertEquals(0, revoked.code(), revoked.err());
        Result list = run(cat(creds, "sites", "list"));
        assertTrue(list.out().contains("cli-site-2") && list.out().contains("REVOKED") && list.out().contains("left the consortium"),
                list.out());
        assertEquals(0, run(cat(creds, "runs", "list")).code());
    }

    @Test
    void withoutCredentialsOrWithTheWrongRoleTheCliSaysWhy(@TempDir Path dir) throws Exception {
        Result none = run("runs", "list");
        assertEquals(1, none.code());
        assertTrue(none.err().contains("did not accept our credentials (none sent: set --issuer and the client secret) (HTTP 401)"),
                none.err());
        Result researcher = run("--issuer=" + KeycloakResource.issuer(), "--client-id=" + Tokens.RESEARCHER,
                "--client-secret-file=" + secret(dir, Tokens.RESEARCHER), "sites", "approve", "cli-site-3");
        assertEquals(1, researcher.code());
        assertTrue(researcher.err().contains("HTTP 403"), researcher.err());
        Result wrong = run("--issuer=" + KeycloakResource.issuer(), "--client-secret-file=" + secret(dir, "nih-a"), "runs", "list");
        assertEquals(1, wrong.code());
        assertTrue(wrong.err().contains("identity provider refused client 'synthray-admin-cli'"), wrong.err());
    }

    private static String[] cat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
