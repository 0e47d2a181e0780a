-- dsplang language server, Neovim 0.11+.
vim.lsp.config("dsp", {
  cmd = { "dsp", "lsp" },
  filetypes = { "dsp" },
  root_markers = { "pyproject.toml", ".git" },
})
vim.lsp.enable("dsp")
