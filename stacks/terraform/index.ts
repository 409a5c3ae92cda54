/**
 * The Terraform constructs of the package (cdktf, hashicorp/kubernetes), for a platform team's
 * own cdktf stacks: `platform-blueprint/terraform`. This file only re-exports.
 */
export * from './team-namespace';
