import { synthTerraformApp } from '../../stacks/terraform/app';
import { Project } from '../project';

/** `npx cdktf synth` (cdktf.json `app`): every environment's stack, synthesized by cdktf. */
const project = Project.find(process.cwd());
synthTerraformApp(project.loadEnvironments(project.environmentNames()));
