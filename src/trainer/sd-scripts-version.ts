/**
 * The one sd-scripts version Kiln is built against (its option table and the fake sd-scripts describe it;
 * Dockerfile.gpu checks out this commit). `kiln doctor` compares a checkout's HEAD with the commit, and a folder
 * without git history (an archive) by the SHA-256 of files whose options and output Kiln depends on.
 */
export const SD_SCRIPTS_VERSION = {
  commit: '48d368fa557731ad0488c07304dfeba8c07910eb',
  describe: 'v0.10.1-5-g48d368fa',
  fingerprints: {
    'train_network.py': '802e0a57a19ed8c89b989f6af404825b34a334f3ab6178db0873b74d7d7ab68c',
    'sdxl_train_network.py': '6f018d2b63734fc50bd7588f69f65e1febfed8e90071193631da2eabf82f8641',
    'library/train_util.py': 'a9b23be6e6e1d2724248fa4110051a1d8be740cf8ff513421987ea203968eef0',
  } as Readonly<Record<string, string>>,
} as const;
