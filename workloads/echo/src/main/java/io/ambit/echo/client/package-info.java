/**
 * The echo client: {@link io.ambit.echo.client.ClientCommand} parses the command line into
 * {@code ClientOptions} and runs one {@code Caller} per protocol ({@code HttpCaller} for HTTP/1.1
 * and h2c, {@code GrpcCaller}, {@code TcpCaller} for TCP and server-first) once per request.
 */
package io.ambit.echo.client;
