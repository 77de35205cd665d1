/**
 * The mesh as admin-ui sees it: {@link io.ambit.admin.mesh.MeshReader} reads the xds-server's
 * translated resources and store objects and each ztunnel's config dump into an immutable
 * {@link io.ambit.admin.mesh.MeshSnapshot} of {@link io.ambit.admin.mesh.WorkloadInfo},
 * {@link io.ambit.admin.mesh.ServiceInfo}, policies and {@link io.ambit.admin.mesh.CertificateInfo}.
 */
package io.ambit.admin.mesh;
