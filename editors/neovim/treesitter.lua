-- dsplang tree-sitter highlighting (Neovim 0.9+), once parser/dsp.so and queries/dsp/ are in
-- the runtime path.
vim.api.nvim_create_autocmd("FileType", {
  pattern = "dsp",
  callback = function(args)
    vim.treesitter.start(args.buf, "dsp")
  end,
})
