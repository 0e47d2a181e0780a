-- dsplang language server, Neovim 0.8 to 0.10 (and later): vim.lsp.start reuses the client
-- of the same name and root folder.
vim.api.nvim_create_autocmd("FileType", {
  pattern = "dsp",
  callback = function(args)
    local file = vim.api.nvim_buf_get_name(args.buf)
    local marker = vim.fs.find({ "pyproject.toml", ".git" }, { upward = true, path = vim.fs.dirname(file) })[1]
    vim.lsp.start({
      name = "dsp",
      cmd = { "dsp", "lsp" },
      root_dir = marker and vim.fs.dirname(marker) or vim.fs.dirname(file),
    })
  end,
})
