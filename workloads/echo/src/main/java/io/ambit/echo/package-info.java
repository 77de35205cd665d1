/**
 * The echo workload, one program for the mesh lab's pods. Start at {@link io.ambit.echo.EchoMain}
 * ({@code server} or {@code client}); the server is {@link io.ambit.echo.server.EchoServer}, the
 * client {@link io.ambit.echo.client.ClientCommand}.
 */
package io.ambit.echo;
